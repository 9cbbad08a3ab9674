// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Test-only ERC-20 that anyone can mint; `returnsNothing` mimics tokens like USDT whose transfer
/// functions return no value.
contract TestToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    bool public immutable returnsNothing;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, bool returnsNothing_) {
        name = name_;
        symbol = symbol_;
        returnsNothing = returnsNothing_;
    }

    function mint(address to, uint256 value) external {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return _result();
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        require(allowance[from][msg.sender] >= value, "allowance");
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return _result();
    }

    function _move(address from, address to, uint256 value) private {
        require(balanceOf[from] >= value, "balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function _result() private view returns (bool) {
        if (returnsNothing) {
            assembly {
                return(0, 0)
            }
        }
        return true;
    }
}
